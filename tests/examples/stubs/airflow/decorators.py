"""Stand-in for airflow.decorators: @dag and @task record the graph the DAG
function builds instead of running it, as Airflow does at parse time. A
decorated task keeps the plain function as `.function`, as in Airflow."""
DAGS = []


class _Ref:
    def __init__(self, task, args):
        self.task, self.args = task, args


class _Task:
    def __init__(self, fn):
        self.function = fn
        self.task_id = fn.__name__

    def __call__(self, *args, **kwargs):
        ref = _Ref(self, list(args) + list(kwargs.values()))
        _current[-1]["calls"].append(ref)
        return ref


_current = []


def task(fn=None, **kwargs):
    if fn is None:
        return lambda f: _Task(f)
    return _Task(fn)


def dag(dag_id=None, **kwargs):
    def wrap(fn):
        def build(*a, **kw):
            d = {"dag_id": dag_id or fn.__name__, "kwargs": kwargs, "calls": []}
            _current.append(d)
            try:
                fn(*a, **kw)
            finally:
                _current.pop()
            DAGS.append(d)
            return d
        return build
    return wrap
