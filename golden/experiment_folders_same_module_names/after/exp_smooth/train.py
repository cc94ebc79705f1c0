import torch

from model import Net


def main():
    torch.manual_seed(1)
    net = Net(6, 10, 3)
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
    x = torch.randn(8, 6)
    y = torch.randint(0, 3, (8,))
    for step in range(3):
        optimizer.zero_grad()
        scores = net(x)
        loss = net.loss_fn(scores, y)
        loss.backward()
        optimizer.step()
        print(f"smooth step {step} loss {loss.item():.6f}")


if __name__ == "__main__":
    main()
