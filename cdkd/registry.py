"""cdkd's registry nodes.

Each node is a child of the matching mmsegmentation node, so with ``default_scope='cdkd'`` a config
can name cdkd types and mmseg/mmengine types (``ResNetV1c``, ``FCNHead``, ``IterBasedTrainLoop``)
without a prefix. ``locations`` let the registries import cdkd's modules on first lookup.
"""
from mmengine.registry import Registry
from mmseg.registry import DATA_SAMPLERS as MMSEG_DATA_SAMPLERS
from mmseg.registry import DATASETS as MMSEG_DATASETS
from mmseg.registry import EVALUATOR as MMSEG_EVALUATOR
from mmseg.registry import HOOKS as MMSEG_HOOKS
from mmseg.registry import INFERENCERS as MMSEG_INFERENCERS
from mmseg.registry import LOG_PROCESSORS as MMSEG_LOG_PROCESSORS
from mmseg.registry import LOOPS as MMSEG_LOOPS
from mmseg.registry import METRICS as MMSEG_METRICS
from mmseg.registry import MODEL_WRAPPERS as MMSEG_MODEL_WRAPPERS
from mmseg.registry import MODELS as MMSEG_MODELS
from mmseg.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMSEG_OPTIM_WRAPPER_CONSTRUCTORS
from mmseg.registry import OPTIM_WRAPPERS as MMSEG_OPTIM_WRAPPERS
from mmseg.registry import OPTIMIZERS as MMSEG_OPTIMIZERS
from mmseg.registry import PARAM_SCHEDULERS as MMSEG_PARAM_SCHEDULERS
from mmseg.registry import RUNNERS as MMSEG_RUNNERS
from mmseg.registry import TASK_UTILS as MMSEG_TASK_UTILS
from mmseg.registry import TRANSFORMS as MMSEG_TRANSFORMS
from mmseg.registry import VISBACKENDS as MMSEG_VISBACKENDS
from mmseg.registry import VISUALIZERS as MMSEG_VISUALIZERS
from mmseg.registry import WEIGHT_INITIALIZERS as MMSEG_WEIGHT_INITIALIZERS

RUNNERS = Registry('runner', parent=MMSEG_RUNNERS, scope='cdkd')
LOOPS = Registry('loop', parent=MMSEG_LOOPS, scope='cdkd', locations=['cdkd.engine'])
HOOKS = Registry('hook', parent=MMSEG_HOOKS, scope='cdkd', locations=['cdkd.engine'])

DATASETS = Registry('dataset', parent=MMSEG_DATASETS, scope='cdkd', locations=['cdkd.datasets'])
DATA_SAMPLERS = Registry('data sampler', parent=MMSEG_DATA_SAMPLERS, scope='cdkd')
TRANSFORMS = Registry(
    'transform', parent=MMSEG_TRANSFORMS, scope='cdkd', locations=['cdkd.datasets.transforms'])

MODELS = Registry('model', parent=MMSEG_MODELS, scope='cdkd', locations=['cdkd.models'])
MODEL_WRAPPERS = Registry(
    'model_wrapper', parent=MMSEG_MODEL_WRAPPERS, scope='cdkd', locations=['cdkd.models'])
WEIGHT_INITIALIZERS = Registry(
    'weight initializer', parent=MMSEG_WEIGHT_INITIALIZERS, scope='cdkd', locations=['cdkd.models'])
TASK_UTILS = Registry('task util', parent=MMSEG_TASK_UTILS, scope='cdkd', locations=['cdkd.models'])

OPTIMIZERS = Registry('optimizer', parent=MMSEG_OPTIMIZERS, scope='cdkd', locations=['cdkd.engine'])
OPTIM_WRAPPERS = Registry(
    'optim_wrapper', parent=MMSEG_OPTIM_WRAPPERS, scope='cdkd', locations=['cdkd.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor', parent=MMSEG_OPTIM_WRAPPER_CONSTRUCTORS, scope='cdkd',
    locations=['cdkd.engine'])
PARAM_SCHEDULERS = Registry(
    'parameter scheduler', parent=MMSEG_PARAM_SCHEDULERS, scope='cdkd', locations=['cdkd.engine'])

METRICS = Registry('metric', parent=MMSEG_METRICS, scope='cdkd', locations=['cdkd.evaluation'])
EVALUATOR = Registry('evaluator', parent=MMSEG_EVALUATOR, scope='cdkd', locations=['cdkd.evaluation'])

VISUALIZERS = Registry(
    'visualizer', parent=MMSEG_VISUALIZERS, scope='cdkd', locations=['cdkd.visualization'])
VISBACKENDS = Registry(
    'vis_backend', parent=MMSEG_VISBACKENDS, scope='cdkd', locations=['cdkd.visualization'])
LOG_PROCESSORS = Registry(
    'log_processor', parent=MMSEG_LOG_PROCESSORS, scope='cdkd', locations=['cdkd.visualization'])
INFERENCERS = Registry('inferencer', parent=MMSEG_INFERENCERS, scope='cdkd', locations=['cdkd.apis'])
