"""Personal plans: what a person knows (`profile`), the guide's steps (`outline`), the plan built
from both (`plan`, rendered by `markdown`) and the three roles compared (`roles`)."""
