"""Problems with checkers that answer in words."""

from ponder.tasks.base import Feedback, Task
from ponder.tasks.expression_task import ExpressionTask
from ponder.tasks.extract import extract_answer, extract_expression, extract_number
from ponder.tasks.numeric import NumericTask
from ponder.tasks.registry import load_tasks, source_names
from ponder.tasks.static import OpenTask, load_task_file

__all__ = (
    "ExpressionTask",
    "Feedback",
    "NumericTask",
    "OpenTask",
    "Task",
    "extract_answer",
    "extract_expression",
    "extract_number",
    "load_task_file",
    "load_tasks",
    "source_names",
)
