import torch

from model import TextClassifierWithHead

torch.manual_seed(0)
model = TextClassifierWithHead()
optimizer = torch.optim.AdamW(model.parameters(), lr=0.05)
batches = [(torch.randint(1, 40, (4, 6)), torch.randint(0, 3, (4,))) for _ in range(3)]
for epoch in range(2):
    model.train()
    total = 0.0
    for input_ids, labels in batches:
        attention_mask = torch.ones_like(input_ids)
        outputs = model(input_ids=input_ids, attention_mask=attention_mask, labels=labels)
        loss = outputs['loss']
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item()

    model.eval()
    val_total = 0.0
    with torch.no_grad():
        for input_ids, labels in batches:
            attention_mask = torch.ones_like(input_ids)
            outputs = model(input_ids=input_ids, attention_mask=attention_mask, labels=labels)
            loss = outputs['loss']
            val_total += loss.item()
    print(f"epoch {epoch} train loss {total / 3:.6f} val loss {val_total / 3:.6f}")
