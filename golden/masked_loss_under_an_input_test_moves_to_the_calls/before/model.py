import torch.nn as nn


class TokenTagger(nn.Module):
    def __init__(self, dim=6, num_labels=3):
        super().__init__()
        self.num_labels = num_labels
        self.encoder = nn.Sequential(nn.Linear(dim, 8), nn.Tanh())
        self.classifier = nn.Linear(8, num_labels)

    def forward(self, input_embeds, attention_mask=None, labels=None):
        hidden = self.encoder(input_embeds)
        logits = self.classifier(hidden)

        if labels is not None:
            loss_fct = nn.CrossEntropyLoss()
            # Only keep active parts of the loss
            if attention_mask is not None:
                active_loss = attention_mask.view(-1) == 1
                active_logits = logits.view(-1, self.num_labels)[active_loss]
                active_labels = labels.view(-1)[active_loss]
                loss = loss_fct(active_logits, active_labels)
            else:
                loss = loss_fct(logits.view(-1, self.num_labels), labels.view(-1))
            return loss
        else:
            return logits
