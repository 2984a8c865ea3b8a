"""Settings of the demo's web server, Celery worker and Celery beat (``scripts/demo``
sets ``DJANGO_SETTINGS_MODULE=crm_demo_settings``): Saleor's own settings, plus the
options of the demo's embedded broker when no broker URL is given.

The embedded broker is kombu's ``filesystem://`` transport: messages are files in
one folder (``$CRM_DEMO_BROKER_DIR/messages``) that the web server and beat write
and the worker reads, under ``flock`` — no server to run, no package to add (kombu
is Saleor's). It suits one machine and one worker node; a real deployment sets
``CELERY_BROKER_URL`` to Redis or RabbitMQ, and so can the demo.
"""

import os

from saleor.settings import *  # noqa: F403

if CELERY_BROKER_URL.startswith("filesystem://"):  # noqa: F405
    _folder = os.environ["CRM_DEMO_BROKER_DIR"]
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Producers write where the worker reads: one folder both ways.
        "data_folder_in": os.path.join(_folder, "messages"),
        "data_folder_out": os.path.join(_folder, "messages"),
        "control_folder": os.path.join(_folder, "control"),
        # The worker looks for new files this often (seconds; kombu's default: 1).
        "polling_interval": 0.2,
    }
    # Broadcast (remote control) queues would be files too, left behind by every
    # worker that ever ran; the demo's single worker needs no remote control.
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
