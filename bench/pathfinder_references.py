"""Pathfinder against every posteriordb reference posterior: for each, the largest
distance between a Pathfinder mean and the reference mean, in reference standard
deviations. Usage (after cargo build --release): python3 bench/pathfinder_references.py"""
import json, subprocess, csv, re
pdb='../shared/posteriordb'
models={'kidiq-kidscore_momiq':'kidscore_momiq','sblrc-blr':'blr','mesquite-logmesquite':'logmesquite','earnings-logearn_interaction_z':'logearn_interaction_z','eight_schools-eight_schools_noncentered':'eight_schools_noncentered','arK-arK':'arK','garch-garch11':'garch11','nes1972-nes':'nes','gp_pois_regr-gp_regr':'gp_regr','low_dim_gauss_mix-low_dim_gauss_mix':'low_dim_gauss_mix','diamonds-diamonds':'diamonds','hmm_example-hmm_example':'hmm_example'}
for d,m in models.items():
    out=f'/tmp/cmod-pathfinder-references/{d}'
    subprocess.run(['rm','-rf',out])
    subprocess.run(['./target/release/cmod','pathfinder',f'examples/posteriordb/{m}.cmod','--data',f'{pdb}/{d}/data.json','--seed','1','--output-dir',out,'--quiet'],capture_output=True)
    rows=[l for l in open(f'{out}/{m}-pathfinder.csv') if not l.startswith('#')]
    r=list(csv.reader(rows)); h=r[0]; vals=[list(map(float,x)) for x in r[1:]]
    ref=json.load(open(f'{pdb}/{d}/reference_draws.json'))
    worst=0;wn=''
    for k,ch in ref.items():
        dr=[x for c in ch for x in c]; mr=sum(dr)/len(dr); sr=(sum((x-mr)**2 for x in dr)/(len(dr)-1))**.5
        name=re.sub(r'\[(.*)\]',lambda mm:'.'+mm.group(1).replace(',','.'),k)
        i=h.index(name); col=[v[i] for v in vals]; mp=sum(col)/len(col)
        z=abs(mp-mr)/sr
        if z>worst: worst=z;wn=k
    print(f'{d:45s} worst {worst:.3f} sd at {wn}')
