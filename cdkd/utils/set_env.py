import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every cdkd module (and mmseg's) so all types are registered.

    Args:
        init_default_scope: set the global default scope to ``cdkd`` so registries build from
            cdkd's nodes first, then mmseg's and mmengine's.
    """
    import mmseg.utils

    mmseg.utils.register_all_modules(init_default_scope=False)
    import cdkd.datasets  # noqa: F401
    import cdkd.engine  # noqa: F401
    import cdkd.evaluation  # noqa: F401
    import cdkd.models  # noqa: F401
    import cdkd.visualization  # noqa: F401

    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None or not DefaultScope.check_instance_created('cdkd'):
        DefaultScope.get_instance('cdkd', scope_name='cdkd')
    elif current.scope_name != 'cdkd':
        warnings.warn(f'The current default scope "{current.scope_name}" is not "cdkd"; '
                      '`register_all_modules` switches to a new "cdkd" scope.')
        stamp = datetime.datetime.now().strftime('%Y%m%d-%H%M%S-%f')
        DefaultScope.get_instance(f'cdkd-{stamp}', scope_name='cdkd')
