"""Disease-knowledge infusion: MLM on passages whose disease name is masked, plus a term that
raises the raw logits of the true disease tokens at the masked positions."""
import torch
from torch.utils.data import DataLoader, RandomSampler, TensorDataset
from transformers import AlbertConfig, AlbertForMaskedLM, BertConfig, BertForMaskedLM

args = {
    "model_type": "bert",
    "max_seq_length": 16,
    "train_batch_size": 4,
    "learning_rate": 1e-3,
    "max_grad_norm": 1.0,
}
device = torch.device("cpu")
PAD_ID, MASK_ID = 0, 3

MODEL_CLASSES = {
    "bert": (BertConfig, BertForMaskedLM),
    "albert": (AlbertConfig, AlbertForMaskedLM),
}


def load_examples(n=12, vocab_size=50):
    """input_ids with the disease name replaced by [MASK], MLM labels, and the disease-name ids."""
    length = args["max_seq_length"]
    input_ids = torch.randint(5, vocab_size, (n, length))
    input_ids[:, -3:] = PAD_ID
    input_mask = (input_ids != PAD_ID).long()
    segment_ids = torch.zeros_like(input_ids)
    label_ids = torch.full_like(input_ids, -100)
    disease_ids = torch.zeros(n, 4, dtype=torch.long)
    for i in range(n):
        start = int(torch.randint(1, 8, (1,)))
        name = torch.randint(5, vocab_size, (2,))
        label_ids[i, start:start + 2] = name
        input_ids[i, start:start + 2] = MASK_ID
        disease_ids[i, :2] = name
    return TensorDataset(input_ids, input_mask, segment_ids, label_ids, disease_ids)


def train(train_dataset, model):
    train_dataloader = DataLoader(train_dataset, sampler=RandomSampler(train_dataset), batch_size=args["train_batch_size"])
    optimizer = torch.optim.AdamW(model.parameters(), lr=args["learning_rate"])
    model.zero_grad()
    for step, batch in enumerate(train_dataloader):
        model.train()
        batch = tuple(t.to(device) for t in batch)
        inputs = {"input_ids": batch[0],
                  # "attention_mask": batch[1],
                  # "token_type_ids": batch[2],
                  "labels": batch[3]}
        outputs = model(**inputs)
        loss_mlm = outputs[0]
        last_hidden_states = outputs[2][-1]
        cls_hidden_state = last_hidden_states[:, 0]

        prediction_scores = outputs[1]
        logit_total = torch.zeros(())
        for i in range(len(prediction_scores)):
            positions = (batch[0][i] == MASK_ID).nonzero().flatten()
            names = batch[4][i][batch[4][i] != 0]
            logit_total = logit_total + prediction_scores[i, positions, names].sum()
        loss = loss_mlm - 0.01 * logit_total / len(prediction_scores)

        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), args["max_grad_norm"])
        optimizer.step()
        model.zero_grad()
        print(f"step {step} loss {loss.item():.6f}")


def main():
    torch.manual_seed(0)
    config_class, model_class = MODEL_CLASSES[args["model_type"]]
    config = config_class(
        vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=32, output_hidden_states=True,
    )
    model = model_class(config)
    model.resize_token_embeddings(config.vocab_size + 1)  # room for the added [blank] token
    model.to(device)
    train(load_examples(), model)


if __name__ == "__main__":
    main()
