import torch


def evaluate(model, loader):
    model.eval()
    losses = []
    with torch.no_grad():
        for ids, mask, y in loader:
            loss = model(ids, mask, y)
            losses.append(loss.item())
    return sum(losses) / len(losses)
