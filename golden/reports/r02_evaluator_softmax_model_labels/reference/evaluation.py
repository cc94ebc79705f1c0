import torch
import torch.nn.functional as F


class LabelAccuracyEvaluator:
    """Evaluates a softmax classifier over sentence pairs: accuracy of argmax(prediction)."""

    def __init__(self, batches, softmax_model):
        self.batches = batches
        self.softmax_model = softmax_model

    def __call__(self):
        self.softmax_model.eval()
        total, correct, loss_sum = 0, 0, 0.0
        for features, label_ids in self.batches:
            with torch.no_grad():
                _, prediction = self.softmax_model(features)
            loss_sum += F.cross_entropy(prediction, label_ids, reduction="sum").item()
            total += prediction.size(0)
            correct += torch.argmax(prediction, dim=1).eq(label_ids).sum().item()
        self.softmax_model.train()
        return loss_sum / total, correct / total
