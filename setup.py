import os.path as osp

from setuptools import find_packages, setup


def read_version():
    namespace = {}
    with open(osp.join(osp.dirname(__file__), 'cdkd', 'version.py')) as f:
        exec(f.read(), namespace)
    return namespace['__version__']


def read_requirements(name):
    path = osp.join(osp.dirname(__file__), 'requirements', name)
    with open(path) as f:
        return [line.split('#')[0].strip() for line in f if line.split('#')[0].strip()]


setup(
    name='cdkd',
    version=read_version(),
    description='Remote-sensing change detection with knowledge distillation, '
                'built on mmengine and mmsegmentation',
    long_description=open('README.md').read() if osp.exists('README.md') else '',
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    packages=find_packages(exclude=('configs', 'tools', 'tests', 'docs')),
    # the annotation tool's front end (plain HTML/CSS/JS, no build step)
    package_data={'cdkd.annotation': ['static/*.html', 'static/*.css', 'static/js/*.js']},
    python_requires='>=3.10',
    # torch and mmcv (with ops) are installed by tools/install.sh; see README.
    install_requires=['torch>=2.1', 'mmcv>=2.0.0rc4,<2.2.0'] + read_requirements('runtime.txt'),
    extras_require={
        'tests': read_requirements('tests.txt'),
        'optional': read_requirements('optional.txt'),
    },
    zip_safe=False,
)
