from . import test_queue_dispatch
from . import test_job_runners
