def train_epoch(model, loader, optimizer):
    model.train()
    for step, (ids, mask, y) in enumerate(loader):
        optimizer.zero_grad()
        loss = model(ids, mask, y)
        loss.backward()
        optimizer.step()
        print(f"step {step} loss {loss.item():.6f}")
