# Short alias of the reference GOLD config.
_base_ = ['./gold_r50_256x256_20k_hetero.py']
