import torch.nn as nn


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 1))

    def forward(self, inputs):
        pred = self.body(inputs).squeeze(-1)
        return pred


class DeepRegressor(Regressor):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(3, 7), nn.Tanh(), nn.Linear(7, 1))
