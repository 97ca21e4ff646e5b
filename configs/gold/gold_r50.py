# Short alias of the reference GOLD config with a ResNet-50 encoder.
_base_ = ['./gold_r50_512x512_400e_hetero.py']
