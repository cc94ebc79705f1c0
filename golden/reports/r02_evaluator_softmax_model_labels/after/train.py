import torch
import torch.nn as nn
import torch.nn.functional as F

from evaluation import LabelAccuracyEvaluator

VOCAB, DIM, NUM_LABELS = 40, 16, 3


class SentenceEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.EmbeddingBag(VOCAB, DIM, mode="mean")

    def forward(self, features):
        return self.embed(features["input_ids"])


class SoftmaxClassifier(nn.Module):
    """Classifies a sentence pair from (u, v, |u - v|)."""

    def __init__(self, encoder):
        super().__init__()
        self.encoder = encoder
        self.classifier = nn.Linear(3 * DIM, NUM_LABELS)

    def forward(self, sentence_features):
        reps = [self.encoder(features) for features in sentence_features]
        u, v = reps
        output = self.classifier(torch.cat([u, v, torch.abs(u - v)], dim=-1))
        return reps, output


def make_batches(n_batches, batch_size=4, seq_len=6):
    batches = []
    for _ in range(n_batches):
        first = {"input_ids": torch.randint(0, VOCAB, (batch_size, seq_len))}
        second = {"input_ids": torch.randint(0, VOCAB, (batch_size, seq_len))}
        labels = torch.randint(0, NUM_LABELS, (batch_size,))
        batches.append(([first, second], labels))
    return batches


def main():
    torch.manual_seed(0)
    model = SoftmaxClassifier(SentenceEncoder())
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    train_batches = make_batches(3)
    dev_batches = make_batches(2)
    evaluator = LabelAccuracyEvaluator(dev_batches, softmax_model=model)

    for step, (features, labels) in enumerate(train_batches):
        optimizer.zero_grad()
        _, logits = model(features)
        loss = F.cross_entropy(logits, labels)
        loss.backward()
        optimizer.step()
        print(f"step {step} loss {loss.item():.6f}")

    eval_loss, accuracy = evaluator()
    print(f"dev loss {eval_loss:.6f} accuracy {accuracy:.6f}")


if __name__ == "__main__":
    main()
