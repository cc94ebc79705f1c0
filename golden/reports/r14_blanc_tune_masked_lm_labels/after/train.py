import torch

from blanc_tune import BlancTune


def main():
    torch.manual_seed(0)
    summary_ids = torch.randint(5, 50, (14,)).tolist()
    blanc = BlancTune()
    blanc.eval_summary(summary_ids)


if __name__ == "__main__":
    main()
