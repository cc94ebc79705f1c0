import torch
import torch.nn.functional as F

from evaluate import accuracy
from models import BagOfWordsClassifier, MarginRanker, PairScorer
from torch import nn

torch.manual_seed(0)
tokens = torch.randint(0, 50, (16, 7))
labels = torch.randint(0, 3, (16,))

classifier = BagOfWordsClassifier(50, 12, 3)
optimizer = torch.optim.SGD(classifier.parameters(), lr=0.5)
criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
for step in range(3):
    logits_2 = classifier(tokens)
    loss = criterion(logits_2, labels.long())
    probs = classifier.softmax(logits_2)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    print(f"step {step}: loss {loss.item():.6f} p={probs[0, 1].item():.6f}")

logits_2 = classifier(tokens)
print(f"again: {criterion(logits_2, labels.long()).item():.6f} {classifier.softmax(logits_2).sum(dim=-1).mean().item():.6f}")
print("accuracy: %.6f max %.6f" % accuracy(classifier, tokens, labels))
with torch.no_grad():
    scores = classifier.softmax(classifier(tokens[:4]))
print(f"scores: {scores[:, 0].sum().item():.6f}")

left, right = torch.randn(8, 5), torch.randn(8, 5)
teacher = torch.rand(8, 1)
scorer = PairScorer(5)
optimizer = torch.optim.SGD(scorer.parameters(), lr=0.5)
for step in range(3):
    logits = scorer(left, right)
    loss = F.binary_cross_entropy_with_logits(logits, teacher)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    print(f"distill {step}: loss {loss.item():.6f}")

features = torch.randn(16, 6)
ranker = MarginRanker(6, 3)
optimizer = torch.optim.SGD(ranker.parameters(), lr=0.5)
for step in range(3):
    logits = ranker(features)
    loss = F.multi_margin_loss(logits, labels)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    print(f"rank {step}: loss {loss.item():.6f} {logits[0, 0].item():.6f}")
log_probs = F.log_softmax(ranker(features), dim=-1)
print(f"log-probs: {log_probs.exp().sum().item():.6f}")
