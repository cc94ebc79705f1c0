import torch.nn as nn


class Classifier(nn.Module):
    def __init__(self, encoder):
        super(Classifier, self).__init__()
        self.encoder = encoder

    def forward(self, input_ids=None):
        logits = self.encoder(input_ids, attention_mask=input_ids.ne(0))[0]

        return logits
