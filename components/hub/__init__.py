"""Floor 3: talking to the Hub (ARCHITECTURE.md). ``client`` is the only importer of huggingface_hub (calls,
typed errors, retries); ``plans`` what the owner's plan allows; ``provenance`` what a deploy commits and
says; ``live_logs`` the Space's logs while ``up`` waits; ``xet_memory`` bounds a big upload's memory through
Xet. Never imports ``components.bundle``."""
