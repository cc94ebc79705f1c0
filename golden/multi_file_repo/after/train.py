import torch.nn.functional as F

def train_epoch(model, loader, optimizer):
    model.train()
    for step, (ids, mask, y) in enumerate(loader):
        optimizer.zero_grad()
        logits = model(ids, mask)
        loss = F.cross_entropy(logits, y)
        loss.backward()
        optimizer.step()
        print(f"step {step} loss {loss.item():.6f}")
