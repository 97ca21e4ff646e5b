# STKD loss ablation: the default losses plus interlayer (feature) distillation: MSE between the
# teacher's and the student's fused neck features at every level.
_base_ = ['./stkd_siamfpn_r18_128x128_500it_synthetic.py']
model = dict(feature_losses=[
    dict(source='neck', loss=dict(type='FeatureDistillLoss', metric='mse', loss_weight=1.0))])
