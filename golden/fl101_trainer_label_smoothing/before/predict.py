import os
import tempfile

import torch
import torch.nn.functional as F

from data import Sentences
from network import EncoderLSTM

model = EncoderLSTM()
model.load_state_dict(torch.load(os.path.join(tempfile.gettempdir(), "fl101_label_smoothing_model.pt")))
model.eval()
batch = Sentences(4, seed=9)[:]
with torch.no_grad():
    outputs = model(
        input_ids=batch["input_ids"],
        attention_mask=batch["attention_mask"],
    )
logits = outputs["logits"]
prob = F.softmax(logits, dim=-1)
print("predicted", logits.argmax(-1).tolist(), "prob loss-free check", [round(p, 5) for p in prob[:, 0].tolist()])
