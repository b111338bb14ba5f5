"""``python -m jaxsched``: the jaxsched command line (see ``jaxsched._cli``)."""

from jaxsched._cli import entry_point

if __name__ == "__main__":
  entry_point()
