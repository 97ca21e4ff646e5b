# Channel-wise distillation of the change logits (Shu et al., ICCV 2021), as mmrazor's
# cwd_logits_pspnet config: CWD with tau=1, loss_weight=3 between the decode heads' conv_seg
# outputs. A teacher of the other head type meets the student through ChangeLogitConnector (set
# out_channels to the student's logit channels).
logits = dict(type='ModuleOutputs', source='decode_head.conv_seg')
distiller = dict(
    type='ConfigurableDistiller',
    student_recorders=dict(logits=logits),
    teacher_recorders=dict(logits=logits),
    connectors=dict(logits_t=dict(type='ChangeLogitConnector', out_channels=2)),
    distill_losses=dict(loss_cwd=dict(type='ChannelWiseDivergence', tau=1.0, loss_weight=3.0)),
    loss_forward_mappings=dict(
        loss_cwd=dict(preds_S=dict(from_student=True, recorder='logits'),
                      preds_T=dict(from_student=False, recorder='logits',
                                   connector='logits_t'))))
