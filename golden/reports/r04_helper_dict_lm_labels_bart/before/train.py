import torch

from seq2seq_model_M import Seq2SeqModel


def make_batches(n_batches=3, batch_size=4, src_len=10, tgt_len=6, vocab_size=40, pad=1):
    batches = []
    for _ in range(n_batches):
        source_ids = torch.randint(3, vocab_size, (batch_size, src_len))
        source_mask = torch.ones_like(source_ids)
        source_mask[:, src_len - 2 :] = 0
        source_ids[source_mask == 0] = pad
        target_ids = torch.randint(3, vocab_size, (batch_size, tgt_len))
        target_ids[:, 0] = 0
        target_ids[:, -1] = pad
        batches.append({"source_ids": source_ids, "source_mask": source_mask, "target_ids": target_ids})
    return batches


def main():
    torch.manual_seed(0)
    model = Seq2SeqModel()
    model.train_model(make_batches())


if __name__ == "__main__":
    main()
