"""Published versions stay as they were published, and aliases never lose the versions they point to.

* ``DeleteFunction`` of a version an alias points to, or sends weighted traffic to, is refused (409
  ``ResourceConflictException``: "Unable to delete version because the following aliases reference it:
  [live]"); of ``$LATEST`` or of an alias, refused with AWS's 400; of a version that does not exist,
  a success with nothing to do, as on AWS. A deleted version or alias takes its resource-based policy along.
* ``UpdateFunctionConfiguration`` and ``UpdateFunctionCode`` change ``$LATEST`` only: a ``FunctionName``
  naming a version or alias (``orders:1``, ``orders:live``) is AWS's ``InvalidParameterValueException``.

moto deletes the version behind an alias (leaving the alias dangling) and updates a published version in
place; while a runtime is active these rules apply, otherwise moto answers as it always does.

Example::

    lam.delete_function(FunctionName="orders", Qualifier="1")   # ResourceConflictException while live -> 1
"""

from __future__ import annotations


from . import errors
from .aliases import weighted_versions
from .errors import ResourceConflict
from .moto_patch import once


ONLY_LATEST = ("Current operation does not support versions other than $LATEST. "
               "Please set the version to $LATEST or do not set a version in your request.")


def referencing_aliases(backend, name: str, version: str) -> list[str]:
    """The aliases of ``name`` that point to ``version`` or route weighted traffic to it, by name.

    Example::

        referencing_aliases(backend, "orders", "1")   # -> ["live"]
    """
    found = []
    for alias in backend.list_aliases(name):
        if str(alias.function_version) == version or version in weighted_versions(alias.routing_config):
            found.append(alias.name)
    return found


@once
def install() -> None:
    from moto.awslambda import models
    from moto.awslambda.exceptions import UnknownFunctionException

    from . import function_policy
    from .invoke import split_function_name
    from .moto_patch import active

    backend_class = models.LambdaBackend
    original_delete = backend_class.delete_function
    original_delete_alias = backend_class.delete_alias
    original_update_configuration = backend_class.update_function_configuration
    original_update_code = backend_class.update_function_code

    def delete_function(self, function_name, qualifier=None):
        if active() is None:
            return original_delete(self, function_name, qualifier)
        name, derived = split_function_name(function_name, qualifier)
        if qualifier and derived != qualifier:
            raise errors.qualifier_mismatch()
        if derived is None:
            return original_delete(self, function_name, None)
        if derived == "$LATEST":
            raise errors.InvalidParameterValue(
                "$LATEST version cannot be deleted without deleting the function."
            )
        if not derived.isdigit():
            raise errors.InvalidParameterValue("Deletion of aliases is not currently supported.")
        self.get_function(name)  # Function not found: …:<name>
        try:
            self.get_function(name, derived)
        except UnknownFunctionException:
            return None  # AWS: deleting a version that does not exist succeeds
        aliases = referencing_aliases(self, name, derived)
        if aliases:
            raise ResourceConflict(
                f"Unable to delete version because the following aliases reference it: [{', '.join(aliases)}]"
            )
        original_delete(self, name, derived)
        function_policy.forget(self, name, derived)
        return None

    def delete_alias(self, name, function_name):
        original_delete_alias(self, name, function_name)
        if active() is not None:
            function_policy.forget(self, split_function_name(function_name, None)[0], name)

    def latest_only(function_name, qualifier):
        """The name to update: ``$LATEST`` named explicitly is the function; a version or alias is refused."""
        name, derived = split_function_name(function_name, qualifier)
        if derived not in (None, "$LATEST"):
            raise errors.InvalidParameterValue(ONLY_LATEST)
        return function_name if derived is None else name

    def update_function_configuration(self, function_name, qualifier, body):
        if active() is None:
            return original_update_configuration(self, function_name, qualifier, body)
        return original_update_configuration(self, latest_only(function_name, qualifier), None, body)

    def update_function_code(self, function_name, qualifier, body):
        if active() is None:
            return original_update_code(self, function_name, qualifier, body)
        return original_update_code(self, latest_only(function_name, qualifier), None, body)

    backend_class.delete_function = delete_function
    backend_class.delete_alias = delete_alias
    backend_class.update_function_configuration = update_function_configuration
    backend_class.update_function_code = update_function_code
