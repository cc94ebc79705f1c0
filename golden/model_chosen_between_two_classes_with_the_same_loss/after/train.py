import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)

SEQ_LEN = 16
NUM_CLASSES = 4


class CnnClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(1, 4, kernel_size=3, padding=1)
        self.pool = nn.AdaptiveAvgPool1d(4)
        self.fc = nn.Linear(16, NUM_CLASSES)

    def forward(self, x):
        h = F.relu(self.conv(x.unsqueeze(1)))
        h = self.pool(h).flatten(1)
        logits = self.fc(h)
        return logits


class MlpClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(SEQ_LEN, 32),
            nn.ReLU(),
            nn.Linear(32, NUM_CLASSES),
        )

    def forward(self, x):
        logits = self.net(x)
        return logits


def run_epoch(model, data, opt):
    model.train()
    for step, (x, y) in enumerate(data):
        opt.zero_grad()
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        loss.backward()
        opt.step()
        print(f"step {step} loss {loss.item():.6f}")


def main():
    use_cnn = True
    model = CnnClassifier() if use_cnn else MlpClassifier()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    data = [(torch.randn(4, SEQ_LEN), torch.randint(0, NUM_CLASSES, (4,))) for _ in range(3)]
    run_epoch(model, data, opt)


if __name__ == "__main__":
    main()
