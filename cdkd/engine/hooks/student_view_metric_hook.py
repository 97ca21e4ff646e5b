"""Validation metrics of the student view (perturbed pair) next to the usual clean-pair ones."""
from mmengine.hooks import Hook

from cdkd.registry import HOOKS, METRICS


@HOOKS.register_module()
class StudentViewMetricHook(Hook):
    """Scores the model on the *student view* of every validation sample.

    The validation metrics of the loop are the teacher's: the network on the original pair. When
    the val pipeline also ends in ``Student*`` perturbations (samples carry ``student_inputs``),
    this hook runs the same model on the perturbed pairs, feeds a second metric and adds its
    scores, named ``<prefix>/<metric>`` (``student/F1``), to the logged validation metrics. Samples
    without a student view are skipped, so ``tools/test.py`` with a clean pipeline is unaffected.
    The perturbation draws follow numpy's seed in the val workers; keep ``num_workers`` fixed for
    comparable numbers.

    Args:
        metric: config of the student metric (``ChangeMetric`` by default).
        prefix: name prefix of the student scores.
    """

    priority = 'NORMAL'  # after RuntimeInfoHook, before LoggerHook and CheckpointHook

    def __init__(self, metric: dict = dict(type='ChangeMetric'), prefix: str = 'student'):
        self.metric = METRICS.build(dict(metric, prefix=prefix))
        self.prefix = prefix
        self._seen = 0

    def before_val_epoch(self, runner) -> None:
        self.metric.results.clear()
        self._seen = 0

    def after_val_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        samples = data_batch['data_samples']
        if not all('student_inputs' in s for s in samples):
            return
        student_batch = dict(inputs=[s.student_inputs for s in samples],
                             data_samples=[s.clone() for s in samples])
        self.metric.process(student_batch, runner.model.val_step(student_batch))
        self._seen += len(samples)

    def after_val_epoch(self, runner, metrics=None) -> None:
        if not self._seen:
            return
        scores = self.metric.evaluate(len(runner.val_dataloader.dataset))
        for key, value in scores.items():
            runner.message_hub.update_scalar(f'val/{key}', value)
        if metrics is not None:
            metrics.update(scores)
