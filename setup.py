from setuptools import find_packages, setup

# Dependencies are declared in pyproject.toml; versions are pinned by requirements.lock.
setup(packages=find_packages(exclude=["sales_assets_tests"]))
