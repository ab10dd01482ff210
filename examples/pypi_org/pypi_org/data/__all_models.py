# Add all your SQLAlchemy models here.
# This allows us to import just this file when
# we need to preload the models and ensure they
# are all loaded.

# noinspection PyUnresolvedReferences
import pypi_org.data.downloads
# noinspection PyUnresolvedReferences
import pypi_org.data.languages
# noinspection PyUnresolvedReferences
import pypi_org.data.licenses
# noinspection PyUnresolvedReferences
import pypi_org.data.maintainers
# noinspection PyUnresolvedReferences
import pypi_org.data.package
# noinspection PyUnresolvedReferences
import pypi_org.data.releases
# noinspection PyUnresolvedReferences
import pypi_org.data.users
