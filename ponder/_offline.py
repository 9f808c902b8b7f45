"""Environment switches that keep ponder's dependencies off the network.

litellm fetches its model cost map from the internet when it is imported unless told to use
the copy it ships, and Hugging Face libraries try the Hub before the local cache. Both must
be set before those libraries are imported, so `ponder/__init__.py` imports this module first.
A user who has set a value explicitly keeps it.
"""

import os

_OFFLINE_DEFAULTS = {
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
}

for _name, _value in _OFFLINE_DEFAULTS.items():
    os.environ.setdefault(_name, _value)
