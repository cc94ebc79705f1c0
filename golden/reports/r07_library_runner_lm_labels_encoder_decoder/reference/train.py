import torch

from seq2seq_model import Seq2SeqModel


def main():
    torch.manual_seed(0)
    source_ids = torch.randint(3, 40, (12, 10))
    source_ids[:, -2:] = 0
    target_ids = torch.randint(3, 40, (12, 6))
    target_ids[:, 0] = 2
    target_ids[:, -1] = 0
    model = Seq2SeqModel(encoder_decoder_type="bert", args={"train_batch_size": 4})
    model.train_model(source_ids, target_ids)


if __name__ == "__main__":
    main()
