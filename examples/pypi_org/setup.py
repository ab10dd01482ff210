from setuptools import find_namespace_packages, setup

# pypi_org/ and pypi_org/data/ have no __init__.py, as in the Talk Python course: namespace packages
setup(name="pypi_org", version="0.1", packages=find_namespace_packages(include=["pypi_org*"]), install_requires=["flask", "sqlalchemy"])
