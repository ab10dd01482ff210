from setuptools import find_packages, setup

setup(name="pypi_org", version="0.1", packages=find_packages(), install_requires=["flask", "sqlalchemy"])
