from . import test_install
from . import test_partner_invoice_defaults
from . import test_policy
from . import test_access
from . import test_tour
from . import test_digest_run
from . import test_documents
from . import test_statement_links
