import torch
import torch.nn as nn


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 1)

    def forward(self, x, labels):
        prediction = self.linear(x).squeeze(-1)
        loss = nn.functional.mse_loss(prediction, labels)
        return loss


def main():
    torch.manual_seed(0)
    x = torch.randn(8, 4)
    y = torch.randn(8)
    model = Regressor()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for step in range(3):
        optimizer.zero_grad()
        loss = model(x, y)
        loss.backward()
        optimizer.step()
        print(f"step {step} loss {loss.item():.6f}")
    # A fresh model, called where it is built: no name holds it, so this call cannot be followed.
    print(f"baseline loss {Regressor()(x, y).item():.6f}")


if __name__ == "__main__":
    main()
