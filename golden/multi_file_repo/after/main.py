import torch
from torch.utils.data import DataLoader, TensorDataset

from models.net import Classifier
from train import train_epoch
from evaluate import evaluate


def make_loader(n, seq_len=6, vocab_size=40):
    ids = torch.randint(1, vocab_size, (n, seq_len))
    mask = torch.ones(n, seq_len, dtype=torch.long)
    mask[1::2, 4:] = 0
    y = torch.randint(0, 2, (n,))
    return DataLoader(TensorDataset(ids, mask, y), batch_size=4)


def main():
    torch.manual_seed(0)
    train_loader = make_loader(12)
    eval_loader = make_loader(8)

    model = Classifier(vocab_size=40, hidden_size=16, num_labels=2)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)

    train_epoch(model, train_loader, optimizer)
    eval_loss = evaluate(model, eval_loader)
    print(f"eval loss {eval_loss:.6f}")


if __name__ == "__main__":
    main()
