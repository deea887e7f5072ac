"""The complete schema: importing this module registers every table on ``Base.metadata``.

Add a part's ``models`` module here when the part gains tables, then write a migration.
"""

from sqlalchemy import MetaData

import soai.academy.models
import soai.assurance.models
import soai.council.models
import soai.credentials.models
import soai.identity.models
import soai.incidents.models
import soai.jobs.models
import soai.ledger.models
import soai.pdca.models
import soai.programme.models
import soai.registry.models  # noqa: F401
from soai.db import Base

target_metadata: MetaData = Base.metadata
