"""Batching helpers: inputs are kept as lists of ids until a batch is stacked into tensors."""
from collections import namedtuple

import torch
from torch.nn.utils.rnn import pad_sequence

BertInput = namedtuple("BertInput", ["input_ids", "attention_mask", "token_type_ids", "labels"])

PAD_ID = 0
MASK_PAD = 0
TOKEN_TYPE_PAD = 1
LABEL_IGNORE = -100


def batch_data(data, batch_size):
    return [data[i:i + batch_size] for i in range(0, len(data), batch_size)]


def stack_tensor(input_list, pad_value, device):
    tensors = [torch.LongTensor(inputs) for inputs in input_list]
    return pad_sequence(tensors, batch_first=True, padding_value=pad_value).to(device)


def get_input_tensors(input_batch, device):
    input_ids = stack_tensor([x.input_ids for x in input_batch], PAD_ID, device)
    attention_mask = stack_tensor([x.attention_mask for x in input_batch], MASK_PAD, device)
    token_type_ids = stack_tensor([x.token_type_ids for x in input_batch], TOKEN_TYPE_PAD, device)
    if input_batch[0].labels is not None:
        labels = stack_tensor([x.labels for x in input_batch], LABEL_IGNORE, device)
    else:
        labels = None
    return input_ids, attention_mask, token_type_ids, labels
