"""JupyterLab for this repository, as `make lab` starts it (JUPYTER_CONFIG_PATH points here).

- The server listens on 127.0.0.1 only and opens on notebooks/.
- Notebooks saved under notebooks/ are written without outputs, execution counts or widget
  state, whichever client saves them: results of the data never reach the repository.
- A saved notebook keeps the audit dashboard's still copy instead of its live view, so a
  reopened notebook shows the tables rather than "Error displaying widget".
- Nothing is fetched from the internet: no news feed and no update check.
"""

import warnings
from pathlib import Path

from explainer._notebooks import strip_outputs_under

REPO = Path(__file__).resolve().parents[1]

c = get_config()  # noqa: F821 (provided by Jupyter when it loads this file)
c.ServerApp.ip = "127.0.0.1"
c.ServerApp.root_dir = str(REPO)
c.LabApp.default_url = "/lab/tree/notebooks"
c.ContentsManager.pre_save_hook = strip_outputs_under(REPO / "notebooks")
# The server applies this file's settings more than once; each time sets the same hook again.
warnings.filterwarnings("ignore", "Overriding existing pre_save_hook \\(explainer_pre_save_hook\\)", UserWarning)
c.LabApp.news_url = None
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"
