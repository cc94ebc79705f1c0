from typing import Tuple

import torch

from net import Net
import torch.nn.functional as F

Batch = Tuple[torch.Tensor, torch.Tensor]


def train_step(model: Net, batch: Batch, opt: torch.optim.Optimizer) -> float:
    input_ids, labels = batch
    opt.zero_grad()
    logits = model(input_ids)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    opt.step()
    return loss.item()


def main() -> None:
    torch.manual_seed(0)
    model = Net(vocab_size=25, hidden=8, num_labels=2)
    opt = torch.optim.AdamW(model.parameters(), lr=5e-2)
    batches = [
        (torch.randint(0, 25, (4, 5)), torch.randint(0, 2, (4,)))
        for _ in range(3)
    ]
    for step, batch in enumerate(batches):
        loss = train_step(model, batch, opt)
        print(f"step {step} loss {loss:.6f}")


if __name__ == "__main__":
    main()
