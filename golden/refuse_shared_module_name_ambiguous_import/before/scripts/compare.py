import os
import sys

import torch

# Which experiment is compared is chosen when the script runs.
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", os.environ.get("RUN", "run_a")))

from model import Classifier  # noqa: E402

torch.manual_seed(2)
clf = Classifier()
with torch.no_grad():
    loss = clf(torch.randn(3, 4), torch.tensor([0, 1, 1]))
print("compare loss", round(loss.item(), 6))
