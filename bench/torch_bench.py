#!/usr/bin/python3
"""PyTorch side of the learner benchmark (Debian's python3-torch, CPU).

Reads a JSON list of configs on stdin and prints one JSON object per config on stdout:
{"name", "timestepsPerSecond", "windows", "seconds"}. Each config trains TBPTT windows exactly as the
TypeScript side does: token inputs (one-hot through a linear encoder), nn.LSTM, linear decoder,
cross-entropy averaged over the loss steps, clip_grad_norm_ 1/K, plain SGD.
"""
import json
import sys
import time

import torch
import torch.nn as nn

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)


class Model(nn.Module):
    def __init__(self, vocab, embed, hidden, layers, classes):
        super().__init__()
        self.vocab = vocab
        self.encoder = nn.Linear(vocab, embed)
        self.rnn = nn.LSTM(embed, hidden, layers)
        self.decoder = nn.Linear(hidden, classes)

    def forward(self, x_onehot, state):
        out, state = self.rnn(self.encoder(x_onehot), state)
        return self.decoder(out), state


def run(cfg):
    torch.manual_seed(0)
    V, E, H, L, C = cfg["vocab"], cfg["embed"], cfg["hidden"], cfg["layers"], cfg["classes"]
    B, K, T = cfg["batch"], cfg["k"], cfg["windowSteps"]
    model = Model(V, E, H, L, C)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    tokens = torch.randint(0, V, (T, B))
    x = torch.nn.functional.one_hot(tokens, V).float()
    y = torch.randint(0, C, (T, B))
    state = (torch.zeros(L, B, H), torch.zeros(L, B, H))

    def window():
        nonlocal state
        out, new_state = model(x, tuple(s.detach() for s in state))
        loss = loss_fn(out[T - K:].reshape(-1, C), y[T - K:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0 / K)
        opt.step()
        state = new_state

    for _ in range(cfg.get("warmup", 5)):
        window()
    n, t0 = 0, time.perf_counter()
    while True:
        window()
        n += 1
        elapsed = time.perf_counter() - t0
        if elapsed >= cfg.get("seconds", 2.0) and n >= 3:
            break
    return {"name": cfg["name"], "timestepsPerSecond": B * K * n / elapsed, "windows": n, "seconds": elapsed}


for c in json.load(sys.stdin):
    print(json.dumps(run(c)), flush=True)
