import torch
from torch.utils.data import DataLoader, TensorDataset
from transformers import MT5Config, MT5EncoderModel

torch.manual_seed(0)
device = "cuda:0" if torch.cuda.is_available() else "cpu"

class_names = ["cmn", "deu", "rus", "fra", "eng", "jpn", "spa", "ita", "kor", "vie", "nld", "epo"]

config = MT5Config(
    vocab_size=64,
    d_model=16,
    d_kv=8,
    d_ff=32,
    num_layers=1,
    num_heads=2,
    num_labels=len(class_names),
)
model = MT5EncoderModel(config).to(device)

input_ids = torch.randint(2, 64, (12, 10))
attention_mask = torch.ones_like(input_ids)
labels = torch.randint(0, len(class_names), (12,))
train_loader = DataLoader(TensorDataset(input_ids, attention_mask, labels), batch_size=4)

optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
model.train()
for step, (batch_ids, batch_mask, batch_labels) in enumerate(train_loader):
    optimizer.zero_grad()
    outputs = model(
        input_ids=batch_ids.to(device),
        attention_mask=batch_mask.to(device),
        labels=batch_labels.to(device),
    )
    loss = outputs.loss
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")
