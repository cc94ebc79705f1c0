import torch


def mask_tokens(input_ids, mask_token_id, probability=0.3):
    """Masked-LM inputs and labels: -1 wherever the loss must not look."""
    labels = torch.full_like(input_ids, -1)
    chosen = torch.rand(input_ids.shape) < probability
    labels[chosen] = input_ids[chosen]
    return input_ids.masked_fill(chosen, mask_token_id), labels
