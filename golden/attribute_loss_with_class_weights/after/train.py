import torch
import torch.nn as nn


class WeightedClassifier(nn.Module):
    def __init__(self, in_features, hidden_size):
        super().__init__()
        self.body = nn.Sequential(
            nn.Linear(in_features, hidden_size),
            nn.ReLU(),
            nn.Dropout(0.1),
        )
        self.head = nn.Linear(hidden_size, 3)
        # class 1 is rare in the real data, so it gets a larger weight
        self.loss_fct = nn.CrossEntropyLoss(weight=torch.tensor([1.0, 2.0, 0.5]))

    def forward(self, inputs):
        logits = self.head(self.body(inputs))
        return logits


def train_epoch(model, optimizer, inputs, labels, num_steps=3):
    model.train()
    for step in range(num_steps):
        optimizer.zero_grad()
        logits = model(inputs)
        loss = model.loss_fct(logits, labels)
        loss.backward()
        optimizer.step()
        print(f"step {step} loss {loss.item():.6f}")


if __name__ == "__main__":
    torch.manual_seed(0)
    inputs = torch.randn(8, 5)
    labels = torch.randint(0, 3, (8,))
    model = WeightedClassifier(in_features=5, hidden_size=16)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    train_epoch(model, optimizer, inputs, labels)
