"""Builds the conditional-BERT training batches: the class of each sentence is its segment id."""
import torch
from torch.utils.data import DataLoader, RandomSampler, TensorDataset

CLS_ID, SEP_ID, MASK_ID = 1, 2, 3


def mask_tokens(init_ids, mask_prob=0.15):
    input_ids = init_ids.clone()
    masked_lm_labels = torch.full_like(init_ids, -100)
    candidates = (init_ids != CLS_ID) & (init_ids != SEP_ID) & (init_ids != 0)
    chosen = candidates & (torch.rand(init_ids.shape) < mask_prob)
    masked_lm_labels[chosen] = init_ids[chosen]
    input_ids[chosen] = MASK_ID
    return input_ids, masked_lm_labels


def construct_train_dataloader(num_examples, num_labels, max_seq_length, vocab_size, batch_size):
    lengths = torch.randint(4, max_seq_length - 1, (num_examples,))
    init_ids = torch.zeros(num_examples, max_seq_length, dtype=torch.long)
    input_mask = torch.zeros(num_examples, max_seq_length, dtype=torch.long)
    segment_ids = torch.zeros(num_examples, max_seq_length, dtype=torch.long)
    sentence_labels = torch.randint(0, num_labels, (num_examples,))
    for i, n in enumerate(lengths.tolist()):
        init_ids[i, 0] = CLS_ID
        init_ids[i, 1:n + 1] = torch.randint(5, vocab_size, (n,))
        init_ids[i, n + 1] = SEP_ID
        input_mask[i, : n + 2] = 1
        segment_ids[i, : n + 2] = sentence_labels[i]
    input_ids, masked_lm_labels = mask_tokens(init_ids)
    dataset = TensorDataset(init_ids, input_ids, input_mask, segment_ids, masked_lm_labels)
    return DataLoader(dataset, sampler=RandomSampler(dataset), batch_size=batch_size)
