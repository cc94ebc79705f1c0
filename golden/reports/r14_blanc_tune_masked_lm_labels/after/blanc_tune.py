"""Scores a summary by how much fine-tuning a masked LM on it helps to fill masks in the document."""
import copy

import torch
from transformers import AlbertConfig, AlbertForMaskedLM, BertConfig, BertForMaskedLM

from utils import LABEL_IGNORE, BertInput, batch_data, get_input_tensors

CLS_ID, SEP_ID, MASK_ID = 1, 2, 3


class BlancTune:
    def __init__(self, model_name="bert-tiny", device="cpu", finetune_batch_size=4,
                 finetune_chunk_size=8, finetune_chunk_stride=4, gap=3, learning_rate=1e-3):
        self.model_name = model_name
        self.device = device
        self.finetune_batch_size = finetune_batch_size
        self.finetune_chunk_size = finetune_chunk_size
        self.finetune_chunk_stride = finetune_chunk_stride
        self.gap = gap
        self.learning_rate = learning_rate

    def init_model(self, device):
        """A masked-LM model that returns plain tuples."""
        sizes = dict(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=32, max_position_embeddings=32, return_dict=False)
        if self.model_name.lower().find("albert") >= 0:
            model = AlbertForMaskedLM(AlbertConfig(embedding_size=16, **sizes)).to(device)
        else:
            model = BertForMaskedLM(BertConfig(**sizes)).to(device)
        model.eval()
        return model

    def assemble_finetuning_input(self, chunk_ids):
        """One input per masking offset: every `gap`-th token is masked, its label is the token."""
        model_inputs = []
        for offset in range(self.gap):
            input_ids = [CLS_ID] + list(chunk_ids) + [SEP_ID]
            labels = [LABEL_IGNORE] * len(input_ids)
            for i in range(1 + offset, len(input_ids) - 1, self.gap):
                labels[i] = input_ids[i]
                input_ids[i] = MASK_ID
            model_inputs.append(BertInput(input_ids, [1] * len(input_ids), [0] * len(input_ids), labels))
        return model_inputs

    def prepare_finetuning_data(self, summary_ids):
        model_inputs = []
        for start in range(0, len(summary_ids), self.finetune_chunk_stride):
            chunk = summary_ids[start:start + self.finetune_chunk_size]
            model_inputs += self.assemble_finetuning_input(chunk)
        return model_inputs

    def finetune(self, model, summary_ids):
        model.train()
        input_batches = batch_data(self.prepare_finetuning_data(summary_ids), self.finetune_batch_size)
        optimizer = torch.optim.AdamW(model.parameters(), lr=self.learning_rate, eps=1e-8)
        for step, input_batch in enumerate(input_batches):
            input_ids, attention_mask, token_type_ids, labels = get_input_tensors(input_batch, device=self.device)
            model.zero_grad()
            optimizer.zero_grad()
            loss, _ = model(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=token_type_ids,
                labels=labels,
            )
            loss.backward()
            optimizer.step()
            print(f"step {step} loss {loss.item():.6f}")
        model.eval()

    def eval_summary(self, summary_ids):
        model_cpu = self.init_model(device="cpu")
        finetuned_model = copy.deepcopy(model_cpu).to(self.device)
        self.finetune(finetuned_model, summary_ids)
        return finetuned_model
