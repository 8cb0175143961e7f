import cProfile, pstats, os, django, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "perf.settings")
django.setup()
from org.periods import Period
from scoring.services import compute_period
p = Period.parse("2026-11")
compute_period(p)
pr = cProfile.Profile()
t=time.perf_counter()
pr.enable()
compute_period(p)
pr.disable()
print("seconds", time.perf_counter()-t)
st = pstats.Stats(pr); st.sort_stats("cumulative").print_stats(45)
