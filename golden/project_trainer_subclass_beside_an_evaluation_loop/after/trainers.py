from transformers import Trainer


class QuietTrainer(Trainer):
    def log(self, logs, *args, **kwargs):
        logs = {key: value for key, value in logs.items() if not key.endswith(("runtime", "per_second"))}
        super().log(logs, *args, **kwargs)
